"""Comments brought in from other systems: `btl import disqus|wordpress|isso|btl FILE`."""
