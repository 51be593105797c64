"""Home: the four building blocks and the path through the app. Renders without TensorFlow."""
from components.i18n import page_header

page_header("home")
