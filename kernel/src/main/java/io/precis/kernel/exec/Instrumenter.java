package io.precis.kernel.exec;

import java.util.HashSet;
import java.util.Set;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * Rewrites the classes JShell compiles from cells so a cell can be stopped without JDWP: a call to
 * {@link Interrupts#check()} at each method entry and before each backward branch (every loop), and
 * exits of the JVM turned into exceptions. Library code is left alone; it is stopped through
 * {@link Thread#interrupt()} or, if it ignores that, by restarting the execution JVM.
 */
final class Instrumenter {

    private static final String INTERRUPTS = "io/precis/kernel/exec/Interrupts";

    private Instrumenter() {}

    static byte[] instrument(byte[] classFile) {
        ClassReader reader = new ClassReader(classFile);
        // Flags 0: the inserted calls take no stack and add no branch targets, so frames and maxima stay valid.
        ClassWriter writer = new ClassWriter(reader, 0);
        reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String desc, String sig, String[] exceptions) {
                MethodVisitor mv = super.visitMethod(access, name, desc, sig, exceptions);
                if ((access & (Opcodes.ACC_ABSTRACT | Opcodes.ACC_NATIVE)) != 0 || mv == null) {
                    return mv;
                }
                return new StopChecks(mv);
            }
        }, 0);
        return writer.toByteArray();
    }

    private static final class StopChecks extends MethodVisitor {
        private final Set<Label> seen = new HashSet<>();

        StopChecks(MethodVisitor mv) {
            super(Opcodes.ASM9, mv);
        }

        private void check() {
            super.visitMethodInsn(Opcodes.INVOKESTATIC, INTERRUPTS, "check", "()V", false);
        }

        @Override
        public void visitCode() {
            super.visitCode();
            check();
        }

        @Override
        public void visitLabel(Label label) {
            super.visitLabel(label);
            seen.add(label);
        }

        @Override
        public void visitJumpInsn(int opcode, Label label) {
            if (seen.contains(label)) {
                check();
            }
            super.visitJumpInsn(opcode, label);
        }

        @Override
        public void visitTableSwitchInsn(int min, int max, Label dflt, Label... labels) {
            if (anySeen(dflt, labels)) {
                check();
            }
            super.visitTableSwitchInsn(min, max, dflt, labels);
        }

        @Override
        public void visitLookupSwitchInsn(Label dflt, int[] keys, Label[] labels) {
            if (anySeen(dflt, labels)) {
                check();
            }
            super.visitLookupSwitchInsn(dflt, keys, labels);
        }

        private boolean anySeen(Label dflt, Label[] labels) {
            if (seen.contains(dflt)) {
                return true;
            }
            for (Label l : labels) {
                if (seen.contains(l)) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public void visitMethodInsn(int opcode, String owner, String name, String desc, boolean itf) {
            if (opcode == Opcodes.INVOKESTATIC && owner.equals("java/lang/System") && name.equals("exit") && desc.equals("(I)V")) {
                super.visitMethodInsn(Opcodes.INVOKESTATIC, INTERRUPTS, "exit", "(I)V", false);
            } else if (opcode == Opcodes.INVOKEVIRTUAL && owner.equals("java/lang/Runtime") && desc.equals("(I)V")
                    && (name.equals("exit") || name.equals("halt"))) {
                super.visitMethodInsn(Opcodes.INVOKESTATIC, INTERRUPTS, name.equals("exit") ? "runtimeExit" : "runtimeHalt",
                        "(Ljava/lang/Runtime;I)V", false);
            } else {
                super.visitMethodInsn(opcode, owner, name, desc, itf);
            }
        }
    }
}
