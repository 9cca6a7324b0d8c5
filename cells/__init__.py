"""Cell models and the NMODL mechanisms they need."""
