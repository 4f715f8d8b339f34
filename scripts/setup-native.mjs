console.log("[lftf] native setup: placeholder")
