"""Consumer complaints (投诉): filing, tracking and the lifecycle."""
