namespace qs { int quantLayerAnchor = 0; }
