"""File formats around the engine: methodology YAML/Excel, score files, result exports.

Pure Python (no Django), so the command line works without a database.
"""
