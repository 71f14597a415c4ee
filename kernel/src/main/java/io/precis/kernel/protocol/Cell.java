package io.precis.kernel.protocol;

/**
 * One execute request as an interpreter sees it.
 *
 * @param code the cell's source
 * @param silent run quietly: no execute_input, no result, nothing stored
 * @param allowStdin whether the frontend answers input requests
 * @param iopub where displays, streams and page payloads go while the cell runs
 * @param cellId the notebook cell's id when the frontend sends one (JupyterLab does), else null
 */
public record Cell(String code, boolean silent, boolean allowStdin, Iopub iopub, String cellId) {}
