"""Below the Line: subscriber-only comments, moderated after the fact on readers' complaints."""
