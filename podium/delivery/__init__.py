"""The delivery engine: the outbox, the kind registry, the dispatcher and what it sends through.

Features (talks, audience, posts, weekly, …) register their kinds into it and enqueue rows; the engine never imports
a feature (tests/test_architecture.py holds that), so a new feature adds a module, not an edit here.
"""
