"""Opens zoneblanche's deliverables in QGIS itself (headless) and reports, per layer, whether
it is valid, its CRS, its feature count and the renderer of its default style: the GeoPackage's
layers with the style QGIS finds in `layer_styles`, the GeoJSON files with their `.qml` sidecar.

    QT_QPA_PLATFORM=offscreen python3 tests/qgis/check_styles.py OUT_DIR

Prints one JSON object; exits 0 when QGIS could be started.
"""

import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import Qgis, QgsApplication, QgsVectorLayer  # noqa: E402

QgsApplication.setPrefixPath("/usr", True)
app = QgsApplication([], False)
app.initQgis()

out = sys.argv[1]
gpkg = os.path.join(out, "resultats.gpkg")
report = {"qgis": Qgis.QGIS_VERSION, "gpkg": {}, "geojson": {}}

probe = QgsVectorLayer(gpkg, "probe", "ogr")
names = [s.split("!!::!!")[1] for s in probe.dataProvider().subLayers()]
for name in names:
    if name == "layer_styles":
        continue
    layer = QgsVectorLayer(f"{gpkg}|layername={name}", name, "ogr")
    message, loaded = layer.loadDefaultStyle()
    report["gpkg"][name] = {
        "valid": layer.isValid(),
        "crs": layer.crs().authid(),
        "features": layer.featureCount(),
        "style_loaded": bool(loaded),
        "renderer": layer.renderer().type() if layer.renderer() else None,
        "labels": bool(layer.labelsEnabled()),
    }

for stem in ["sites", "demand", "zones_blanches", "communes"]:
    path = os.path.join(out, stem + ".geojson")
    layer = QgsVectorLayer(path, stem, "ogr")
    message, loaded = layer.loadNamedStyle(os.path.join(out, stem + ".qml"))
    report["geojson"][stem] = {
        "valid": layer.isValid(),
        "crs": layer.crs().authid(),
        "features": layer.featureCount(),
        "style_loaded": bool(loaded),
        "renderer": layer.renderer().type() if layer.renderer() else None,
    }

print(json.dumps(report))
sys.stdout.flush()
# QGIS 3.22 may crash while tearing down its providers: leave without it.
os._exit(0)
