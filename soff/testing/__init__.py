"""Testing tools: the random kernel generator, the differential runner and the reducer."""
