this is not lua ((
