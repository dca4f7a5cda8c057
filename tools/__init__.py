"""What runs beside the services, never in them: the development stack, development tokens and the
NATS permissions rendered for deploy/. Not part of the service image."""
