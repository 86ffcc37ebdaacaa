"""The training catalogue: courses and the competencies and levels each develops."""
