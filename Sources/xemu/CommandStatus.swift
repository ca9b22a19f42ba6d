/// A run that ended with a status the user expects without a message: `xemu run` exiting with
/// its guest command's own status (`false` gives 1 and prints nothing of xemu's).
struct CommandStatus: Error, Equatable {
    let status: Int32
}
