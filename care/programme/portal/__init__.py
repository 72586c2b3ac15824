"""Portal pages of the care programme, under /programme/."""
