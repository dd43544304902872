"""Numba kernels: numpy arrays in, numpy arrays out. Imports only numpy and numba.

Three layers (STUMPY): a serial `@njit` function for one item-location over primitive arrays,
a batch driver that loops it over many item-locations, and a thin Python function that
validates and allocates (those live beside the drivers, in the same module).
"""
