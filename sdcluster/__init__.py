"""sdcluster: the self-organization of innovation clusters as a system-dynamics model.

The package loads a Vensim or XMILE model with PySD, runs scripted policy
experiments on it and writes reports. Data flows one way::

    model file -> loaded model -> experiment -> engine -> results -> analysis -> report
"""

from __future__ import annotations

__version__ = "0.1.0"
