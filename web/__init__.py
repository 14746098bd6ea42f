"""What the areas (kiosk, display, counter, manager, api) share on the web side."""
