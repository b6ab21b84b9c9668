"""Tools beside the product: the bench, the chaos soak (its writer and checks), the synthetic
partnership, the detectors' accuracy, the demo and the dashboard bench. They open stores through
the same `Wiring` as the product; only the CLI imports them, and nothing of the product imports a
tool (the dashboard least of all)."""
