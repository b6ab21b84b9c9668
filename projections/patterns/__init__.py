"""Patterns of concern: explainable rules over one child's entries, for a person to review.

Never a score on a child: each alert names the pattern, the entries behind it, and says why in
plain words.
"""
