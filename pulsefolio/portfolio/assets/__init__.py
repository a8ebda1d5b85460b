"""Asset search for everyone; creating and editing assets and their price sources for admins."""
