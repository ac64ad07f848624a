"""The colours of labkit's pictures, trace views and exercise feedback: one palette, used everywhere.

Imports nothing, so any view may use it (``labkit.vpc.results`` imports it only inside its HTML view).
"""

from __future__ import annotations

#: The way traffic goes; a reachable verdict.
GREEN = "#1a7f37"
#: Where traffic stops; an error or a blocked verdict.
RED = "#cf222e"
#: Context: Availability Zones, edges off the traced path, missing targets.
GREY = "#8c959f"
#: Text.
INK = "#24292f"
#: A hint in exercise feedback.
AMBER = "#9a6700"
#: The outline and the title of a VPC box.
VPC_OUTLINE = "#4c6ef5"
VPC_TITLE = "#364fc7"

#: Fill colour of each kind of node in a picture.
FILL = {
    "function": "#ffe8cc",
    "public": "#d6eaff",
    "private": "#eeeeee",
    "route-table": "#ffffff",
    "internet-gateway": "#d3f9d8",
    "nat-gateway": "#fff3bf",
    "vpc-endpoint": "#e5dbff",
    "peering": "#ffe3e3",
    "internet": "#ffffff",
    "service": "#fff4e6",
    "lambda-network": "#ffe8cc",
    "missing": "#ffffff",
    "other": "#ffffff",
}
