/** Installing the kernelspec, its logos, and the ahead-of-time cache's scripted session ({@code AotTraining}). */
package io.precis.kernel.install;
