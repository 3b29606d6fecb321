"""The browser console: ``soundscape play --console`` (docs/console.md)."""
