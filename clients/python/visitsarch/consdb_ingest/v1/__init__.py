"""Generated gRPC stubs; do not edit (npm run generate)."""
