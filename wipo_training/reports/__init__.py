"""Reports staff export: course report, evaluation report, lists, annual statistics."""
