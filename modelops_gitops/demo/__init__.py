"""`demo`: the whole loop on the bundled example, in a scratch repository.

driver    runs the real command line in a subprocess at every step (the one module outside
          git/ allowed to start processes: it types what a user would type)
"""
