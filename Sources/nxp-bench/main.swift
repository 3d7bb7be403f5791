print("nxp-bench")
