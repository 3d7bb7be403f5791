print("nxp")
