"""Jiguan (机关): the integrated platform for government administrative affairs."""
