"""Gates: evidence computed from artifacts and data (test, champion, fairness, drift)."""
