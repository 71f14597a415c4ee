"""Precis for pip: the kernel's jars, a launcher that finds a JDK 21+, and papermill's Java translator."""

# `make dist` writes the build's version here in the staged copy it builds the wheel from.
__version__ = "0+source"
