"""Parse: text into data, safely. YAML configs (:mod:`~lrviz.parse.yamlio`) and the
arithmetic expressions of ``lr_lambda`` and metrics (:mod:`~lrviz.parse.expr`)."""
