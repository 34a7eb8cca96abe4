import { wireLogout } from "./shell.js";

// A page without content of its own (the operators' "admins only" page): the header only.
wireLogout();
