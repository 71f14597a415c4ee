/** Running cells of the language in process and asserting on what they show and bind (unit tests of the runtime). */
package io.precis.language.testkit;
