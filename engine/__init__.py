"""The engine: Python + Keras + numpy + pandas. Never imports Streamlit."""
import os

# Quiet TensorFlow's C++ start-up chatter; it means nothing to a learner.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
