"""The results stage: an xarray Dataset plus the metadata that reproduces it.

:mod:`~sdcluster.results.dataset` holds :class:`Results` and its netCDF I/O,
:mod:`~sdcluster.results.netcdf_names` the one codec for model names in netCDF,
:mod:`~sdcluster.results.atomic` the writes that never leave a partial file.
"""
