"""Pictures carry their own text alternative, fit the notebook's width, and read without colour."""

from __future__ import annotations

import re
import shutil

import pytest

import labkit as lk
from labkit.render.picture import accessible_figure
from tests.test_trace_names import _topology

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz's dot is not installed")

SVG = (
    '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
    '"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n<svg width="900pt" height="300pt" '
    'viewBox="0 0 900 300" xmlns="http://www.w3.org/2000/svg"><g id="graph0"><title>labkit</title></g></svg>'
)


def test_the_figure_has_a_title_a_description_and_a_caption():
    out = accessible_figure(SVG, "A picture of the network: 1 VPC <and> 2 subnets.")
    assert out.startswith('<figure class="labkit-picture"') and out.endswith("</figcaption></figure>")
    assert "<?xml" not in out and "DOCTYPE" not in out
    opening = re.search(r"<svg[^>]*>", out).group(0)
    assert 'role="img"' in opening and "max-width:100%" in opening and "height:auto" in opening
    title_id, desc_id = re.search(r'aria-labelledby="([^ ]+) ([^"]+)"', opening).groups()
    assert f'<title id="{title_id}">' in out and f'<desc id="{desc_id}">' in out
    assert "1 VPC &lt;and&gt; 2 subnets" in out  # escaped, in the desc and the caption
    assert out.count("1 VPC &lt;and&gt; 2 subnets") == 2
    assert 'viewBox="0 0 900 300"' in opening  # scaled, never cropped: the whole drawing stays in view


def test_the_description_says_what_is_drawn_and_the_result():
    topo = _topology(True)
    t = lk.trace(topo, "orders", "internet")
    pic = lk.draw(topo, highlight=t)
    assert pic.description.startswith("A picture of the network: 1 VPC, 2 subnets, 1 function")
    assert t.headline() in pic.description
    assert "sample-private-routes (rtb-0fedcba987654321f): NO_ROUTE" in pic.description
    assert "thick line" in pic.description and "dashed line" in pic.description
    plain = lk.draw(topo)
    assert plain.description.startswith("A picture of the network") and "NO_ROUTE" not in plain.description


def test_path_and_blocker_read_without_colour():
    topo = _topology(True)
    t = lk.trace(topo, "orders", "10.0.2.9:5432")
    src = lk.draw(topo, highlight=t).source
    assert "style=bold" in src  # the path: a thick line, whatever the colours
    blocked = lk.draw(topo, highlight=lk.trace(topo, "orders", "internet")).source
    assert "peripheries=2" in blocked and "✘ NO_ROUTE" in blocked  # the blocker: double outline and its code
    assert "not reached" in blocked and "style=dashed" in blocked


@needs_dot
def test_the_notebook_display_prefers_the_accessible_html():
    topo = _topology(True)
    pic = lk.draw(topo, highlight=lk.trace(topo, "orders", "internet"))
    bundle = pic._repr_mimebundle_()
    assert list(bundle)[0] == "text/html"
    page = bundle["text/html"]
    assert "<figcaption" in page and 'role="img"' in page and pic.description.split(".")[0] in page
    assert "<svg" in page and "</svg>" in page
