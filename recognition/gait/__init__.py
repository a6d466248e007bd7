"""The gait engine: video and keypoint files to gait embeddings.

Plain Python, numpy, torch and OpenCV. Nothing in this package imports Django or knows about
tenants, requests or the database, so it can be tested and benchmarked on its own.
"""
