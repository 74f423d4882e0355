"""Handler tests: each Lambda handler driven with API Gateway events against moto."""
