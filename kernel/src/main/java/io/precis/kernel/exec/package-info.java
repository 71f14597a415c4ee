/** The execution JVM: its start, JShell's protocol over our sockets, interrupts, instrumentation, and the language's end of a cell ({@code LanguageBridge}). */
package io.precis.kernel.exec;
