namespace qs { int tasksLayerAnchor = 0; }
