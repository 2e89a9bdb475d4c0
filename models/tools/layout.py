"""Where each variable sits in the four views of the diagram (Vensim sketch coordinates).

Authoring aid for ``build_model.py``; see its docstring. Shadows (grey copies) bring a
cause that lives in another view into this one; a name may have several shadows in a
view, and an arrow starts from the one nearest its target.
"""

from __future__ import annotations

from dataclasses import dataclass, field

Point = tuple[int, int]


@dataclass(frozen=True)
class Flow:
    """A flow drawn as a pipe: source and target are a stock name or a cloud position."""

    name: str
    valve: Point
    source: str | Point
    target: str | Point
    horizontal: bool = True


@dataclass(frozen=True)
class View:
    """One view of the diagram."""

    title: str
    stocks: dict[str, Point]
    flows: list[Flow]
    auxiliaries: dict[str, Point]
    shadows: list[tuple[str, Point]] = field(default_factory=list)
    shadow_stocks: dict[str, Point] = field(default_factory=dict)
    loops: dict[str, Point] = field(default_factory=dict)
    notes: dict[str, Point] = field(default_factory=dict)


GROWTH = View(
    title="1 Cluster growth and positive feedback",
    stocks={"Innovative Firms": (640, 400), "Knowledge Sharing Firms": (640, 740)},
    flows=[
        Flow("spawning", (470, 400), (300, 400), "Innovative Firms"),
        Flow("attraction entry", (640, 250), (640, 110), "Innovative Firms", horizontal=False),
        Flow("firm exit", (830, 400), "Innovative Firms", (1010, 400)),
        Flow("adoption", (470, 740), (300, 740), "Knowledge Sharing Firms"),
        Flow("adopter loss", (830, 740), "Knowledge Sharing Firms", (1010, 740)),
    ],
    auxiliaries={
        "spawn rate": (330, 330),
        "support": (470, 520),
        "entrepreneur pool": (470, 120),
        "room": (560, 310),
        "crowding ratio": (880, 270),
        "cluster capacity": (1040, 250),
        "attractiveness": (860, 160),
        "agglomeration": (800, 560),
        "agglomeration scale": (960, 600),
        "firm lifetime": (1040, 470),
        "initial firms": (560, 590),
        "initial sharing fraction": (730, 650),
        "diffusion fraction": (820, 860),
        "innovation coefficient": (360, 840),
        "base innovation coefficient": (180, 800),
        "policy innovation coefficient": (180, 880),
        "imitation coefficient": (580, 880),
        "base imitation coefficient": (730, 960),
        "technology cycle": (1040, 820),
    },
    shadows=[
        ("noise multiplier", (330, 470)),
        ("order effect", (300, 230)),
        ("order effect", (1040, 130)),
        ("resource adequacy", (300, 560)),
        ("relative knowledge", (420, 620)),
        ("effective openness", (470, 190)),
        ("effective openness", (200, 960)),
        ("effective technology introduction", (360, 1010)),
        ("university cooperation", (120, 1030)),
        ("internal cooperation", (560, 1010)),
        ("Entropy U", (920, 490)),
        ("destructive competition", (1000, 330)),
    ],
    loops={
        "R1 spin-offs": (540, 455),
        "R2 attraction": (760, 210),
        "B1 crowding": (700, 300),
        "B6 disorder raises exit": (900, 430),
        "R4 imitation spreads tacit knowledge": (700, 820),
        "B2 dilution": (400, 560),
    },
)

KNOWLEDGE = View(
    title="2 Knowledge resources and the three powers",
    stocks={"Knowledge Stock": (560, 300), "Innovation Resources": (560, 700)},
    flows=[
        Flow("knowledge creation", (380, 300), (200, 300), "Knowledge Stock"),
        Flow("knowledge import", (560, 160), (560, 50), "Knowledge Stock", horizontal=False),
        Flow("knowledge obsolescence", (760, 300), "Knowledge Stock", (940, 300)),
        Flow("resource generation", (380, 700), (200, 700), "Innovation Resources"),
        Flow("external resource inflow", (560, 850), (560, 960), "Innovation Resources", horizontal=False),
        Flow("resource depreciation", (760, 700), "Innovation Resources", (940, 700)),
    ],
    auxiliaries={
        "innovation power": (300, 420),
        "base innovation productivity": (120, 380),
        "competition effect": (200, 520),
        "competitive power": (200, 620),
        "external rivalry": (60, 600),
        "competition stimulus": (60, 500),
        "destructive competition": (330, 590),
        "environment effect": (420, 520),
        "environmental power": (420, 600),
        "environment response": (560, 560),
        "spillover strength": (120, 440),
        "initial knowledge": (680, 380),
        "knowledge lifetime": (880, 230),
        "relative knowledge": (760, 470),
        "knowledge norm": (900, 470),
        "resource adequacy": (760, 560),
        "resource norm": (900, 560),
        "absorptive capacity": (820, 120),
        "technology transfer intensity": (340, 80),
        "university transfer intensity": (340, 150),
        "initial resources": (680, 620),
        "knowledge yield": (250, 770),
        "resource lifetime": (880, 780),
        "market resource intensity": (780, 900),
        "public funding intensity": (780, 960),
    },
    shadows=[
        ("Innovative Firms", (200, 200)),
        ("Innovative Firms", (420, 940)),
        ("Innovative Firms", (900, 400)),
        ("order effect", (460, 400)),
        ("diffusion fraction", (120, 320)),
        ("diffusion fraction", (960, 160)),
        ("Order Degree", (960, 80)),
        ("internal cooperation", (680, 60)),
        ("effective openness", (440, 40)),
        ("effective openness", (340, 880)),
        ("effective openness", (100, 680)),
        ("effective technology introduction", (200, 100)),
        ("university cooperation", (200, 160)),
        ("effective technology introduction", (420, 660)),
        ("university cooperation", (300, 680)),
        ("government support", (440, 760)),
        ("government support", (230, 860)),
        ("attractiveness", (680, 980)),
        ("crowding ratio", (60, 680)),
        ("fair competition regulation", (330, 650)),
    ],
    loops={
        "R3 competition drives R&D": (110, 560),
        "R7 reinvestment": (470, 500),
        "B5 obsolescence": (760, 360),
        "B4 destructive competition": (260, 680),
    },
)

ENTROPY = View(
    title="3 Entropy balance and order",
    stocks={"Entropy R": (560, 200), "Entropy K": (560, 460), "Entropy U": (560, 720)},
    flows=[
        Flow("diS R", (400, 200), (240, 200), "Entropy R"),
        Flow("deS R", (720, 200), (880, 200), "Entropy R"),
        Flow("diS K", (400, 460), (240, 460), "Entropy K"),
        Flow("deS K", (720, 460), (880, 460), "Entropy K"),
        Flow("diS U", (400, 720), (240, 720), "Entropy U"),
        Flow("deS U", (720, 720), (880, 720), "Entropy U"),
    ],
    auxiliaries={
        "initial entropy": (660, 90),
        "entropy production rate": (100, 330),
        "coordination scale": (100, 860),
        "turbulence rate": (1040, 330),
        "negentropy efficiency": (1040, 260),
        "maximum renewal rate": (1150, 420),
        "resource renewal rate": (1000, 120),
        "knowledge renewal rate": (1000, 540),
        "institutional exchange": (1000, 820),
        "institutional exchange rate": (1150, 880),
        "dS R": (560, 290),
        "dS K": (560, 550),
        "dS U": (560, 810),
        "diS total": (1300, 360),
        "deS total": (1300, 560),
        "dS total": (1420, 460),
        "entropy tolerance": (1560, 380),
        "entropy regime": (1560, 460),
        "Order Degree": (1300, 700),
        "order effect": (1460, 700),
        "order effect base": (1460, 620),
        "order effect slope": (1600, 660),
        "order gain R": (1300, 820),
        "order gain K": (1420, 860),
        "order gain U": (1300, 900),
        "synergy degree": (1500, 900),
    },
    shadows=[
        ("crowding ratio", (280, 100)),
        ("government support", (250, 300)),
        ("diffusion fraction", (280, 540)),
        ("crowding ratio", (110, 620)),
        ("Innovative Firms", (120, 760)),
        ("internal cooperation", (260, 860)),
        ("destructive competition", (400, 860)),
        ("government support", (400, 620)),
        ("effective openness", (840, 330)),
        ("absorptive capacity", (780, 110)),
        ("external resource inflow", (1130, 60)),
        ("Innovation Resources", (1150, 160)),
        ("knowledge import", (1160, 480)),
        ("Knowledge Stock", (1160, 600)),
        ("absorptive capacity", (1160, 760)),
        ("university cooperation", (860, 900)),
        ("fair competition regulation", (1000, 940)),
        ("government support", (1180, 960)),
        ("effective openness", (840, 600)),
    ],
    loops={
        "B3 entropy production rises with crowding": (300, 400),
        "R5 negentropy autocatalysis": (880, 580),
        "R6 slaving": (1400, 620),
    },
)

POLICY = View(
    title="4 Policy levers and fluctuations",
    stocks={"Pink Noise": (640, 640)},
    flows=[Flow("pink noise change", (460, 640), (280, 640), "Pink Noise")],
    auxiliaries={
        "openness": (160, 120),
        "openness step": (160, 190),
        "openness step time": (160, 260),
        "effective openness": (420, 190),
        "technology introduction": (700, 120),
        "technology introduction step": (700, 190),
        "technology introduction step time": (700, 260),
        "effective technology introduction": (1000, 190),
        "internal cooperation": (160, 400),
        "government support": (420, 400),
        "fair competition regulation": (700, 400),
        "university cooperation": (1000, 400),
        "white noise input": (300, 760),
        "noise sd": (460, 840),
        "noise correlation time": (640, 800),
        "noise scale": (460, 740),
        "noise multiplier": (860, 640),
    },
    shadows=[("TIME STEP", (300, 860))],
    notes={
        "Policy levers (section 4 of the paper): set them in a scenario file": (580, 40),
        "Fluctuations: seeded white noise from Python, smoothed into pink noise": (580, 540),
    },
)

VIEWS = [GROWTH, KNOWLEDGE, ENTROPY, POLICY]
