"""tfc compiler passes: graph passes, MLIR pipelines, codegen and the driver."""
