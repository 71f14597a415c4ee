package io.precis.kernel.wire;

/** The five Jupyter sockets, in the order the IO loop polls them. */
public enum Channel {
    SHELL, CONTROL, STDIN, IOPUB, HEARTBEAT
}
