package io.mnemo.core.net;

/** What a frame carries; the byte is on the wire, so codes never change meaning. */
public enum FrameType {
    CHALLENGE(1), CHALLENGE_RESPONSE(2), HANDSHAKE_RESULT(3),
    META_REQUEST(10), META_RESPONSE(11),
    CHUNK_REQUEST(20), CHUNK_RESPONSE(21);

    private final byte code;

    FrameType(int code) {
        this.code = (byte) code;
    }

    public byte code() {
        return code;
    }

    /** The response type for a request type. */
    public FrameType response() {
        return switch (this) {
            case META_REQUEST -> META_RESPONSE;
            case CHUNK_REQUEST -> CHUNK_RESPONSE;
            default -> throw new IllegalStateException(this + " is not a request");
        };
    }

    static FrameType fromCode(byte code) {
        for (FrameType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        return null;
    }
}
