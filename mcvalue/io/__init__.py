"""Bytes in and out: bounded, refusing reads of regular files, atomic writes, and the one JSON converter.

Separate from the stages because the data, cost-model caches, calibration store and run
directory all read and write files the same way; nothing here knows what the bytes mean.
"""
