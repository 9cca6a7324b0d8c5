"""Pure analysis of somatic voltage traces and grid results: no simulator inside."""
