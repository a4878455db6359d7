"""The Cluster Observatory Map app: layout, callbacks, figures, export and embed."""
