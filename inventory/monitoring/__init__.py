"""Rules about what polling saw: traffic rates, availability, verification of uplinks.

Pure functions: the collectors feed them samples, coverage reads their verdicts.
"""
