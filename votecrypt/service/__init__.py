"""Running elections: the election directory, the ceremony steps, voting, counting, export
and the demonstration. Used by the command line and by applications that embed the library.
"""
