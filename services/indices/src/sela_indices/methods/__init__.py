"""Pure computational methods of the indices service: frames in, frames out, no I/O."""
