"""Ways of running the measurement: one point, and the NetPyNE Batch over a grid."""
