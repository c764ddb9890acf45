"""Stage 4-5: monitoring, causal evaluation, predictive models and feedback."""
